"""The verbs of the business. Services flush, audit and raise DomainError; views commit."""
