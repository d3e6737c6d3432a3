def test_health_check_reports_the_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_owner_logs_in_and_sees_the_shop_home(client, make_shop, login):
    shop = make_shop(name="Karachi Stitching")
    owner = shop.memberships[0].user
    login(client, owner.email)
    page = client.get("/").get_data(as_text=True)
    assert "Karachi Stitching" in page
    assert "Get your shop ready" in page
