"""Search reads a trigram index (SQLite FTS5 or pg_trgm) for words of three or more characters; whichever
way it goes, it finds exactly the customers the plain definition says: every word in the name, or the
digits anywhere in the phone."""
import pytest

from shopledger.services import customers

PEOPLE = [
    ("Muhammad Ali", "0300-1234567"), ("Ali Raza", "0321-7654321"), ("Alia Bhatt", ""),
    ("Sana 50% Off_Cloth", "0333-5550000"), ("زینب بی بی", "0345-1112223"), ("Bilal Ahmed", "+971 50 123 4567"),
    ("Zainab Ali", "0300-1234000"),
]
QUERIES = ["ali", "al", "a", "ali raza", "raza ali", "1234567", "4567", "45", "0300", "50%", "off_cl", "_",
           "زینب", "بی", "nobody", "ALI", "0300 1234", "+92 300 1234567", "mad al"]


@pytest.fixture
def book(db, make_team):
    team = make_team("Noor Tailors")
    for name, phone in PEOPLE:
        customers.create_customer(team.shop, by=team.owner, name=name, phone=phone)
    db.session.commit()
    return team


def plain(shop, query):
    words = customers.fold(query).split()
    digits = customers.search_digits(query, shop.country)
    everyone = customers.list_customers(shop, per_page=100).customers
    return sorted(customer.id for customer in everyone
                  if (words and all(word in customer.name_folded for word in words))
                  or (digits and digits in customer.phone_national))


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_exactly_what_the_plain_definition_says(book, query):
    found = customers.list_customers(book.shop, query=query, per_page=100).customers
    assert sorted(customer.id for customer in found) == plain(book.shop, query)


def test_a_renamed_customer_is_found_by_the_new_name_only(db, book):
    ali = customers.list_customers(book.shop, query="muhammad").customers[0]
    customers.update_customer(book.shop, ali, by=book.owner, name="Muhammad Usman", phone="0300-1234567")
    db.session.commit()
    assert customers.list_customers(book.shop, query="usman").customers == [ali]
    assert ali not in customers.list_customers(book.shop, query="muhammad ali").customers
