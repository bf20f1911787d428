"""``tenure import stripe``: Stripe JSON -> canonical files, checked against hand-computed MRR.

The fixtures in ``tests/fixtures/stripe/`` were written from Stripe's published object reference
(API version with ``current_period_*`` on subscription items and coupons under
``discount.source.coupon``), in the shapes Stripe exports: a list object (``customers.json``,
``subscriptions.json``, ``invoices.json``), a plain array (``products.json``) and JSON lines
(``prices.jsonl``, ``credit_notes.jsonl``). One customer per case, all in USD unless said:

* ``cus_multi``: two items, Pro $49.00 x 3 seats and Support $20.00 x 1, from 2024-01-10.
* ``cus_annual``: Team $1,000.00 a year from 2024-02-01.
* ``cus_quarter``: Team $100.00 every 3 months x 2 from 2024-01-15.
* ``cus_metered``: Base $10.00 a month plus a metered API price, from 2024-01-01.
* ``cus_trial_conv``: trial 2024-03-01 to 2024-03-15, then Team $30.00 a month.
* ``cus_trialing``: status trialing, trial 2024-06-20 to 2024-07-04 (after the export).
* ``cus_cape``: $50.00 a month from 2024-02-05, cancelled at period end on 2024-05-10; the
  period ends 2024-06-05.
* ``cus_now``: $25.00 a month from 2024-01-20, cancelled immediately on 2024-04-08 (refunded
  by a credit note on its last invoice).
* ``cus_forever``: $100.00 a month from 2024-01-01 with a forever 20% coupon.
* ``cus_repeat``: $60.00 a month from 2024-02-01 with $15.00 off for 3 months (to 2024-05-01).
* ``cus_eur``: EUR 45.00 a month from 2024-03-01.
* ``cus_pastdue``: $40.00 a month from 2024-01-05, status past_due.
* ``cus_unpaid``: $35.00 a month from 2024-01-01, status unpaid, current period from 2024-05-01.
* ``cus_incomplete``: status incomplete (first payment not made).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.errors import InputError
from tenure.sources.stripe import (
    REPORT_FILE,
    convert_stripe,
    import_stripe,
    monthly_mrr,
    read_stripe_objects,
)

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"
runner = CliRunner()


@pytest.fixture(scope="module")
def imported():
    objects, skipped = read_stripe_objects(FIXTURES)
    result = convert_stripe(objects)
    result.skipped[:0] = skipped
    return result


def lines(result) -> dict[str, dict]:
    return {r["subscription_id"]: r for r in result.rows["subscriptions"]}


def ts(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC).timestamp())


def price(pid: str, amount: int, interval: str = "month", count: int = 1,
          currency: str = "usd") -> dict:
    return {"id": pid, "object": "price", "currency": currency, "billing_scheme": "per_unit",
            "product": "prod_x", "nickname": pid, "unit_amount": amount,
            "unit_amount_decimal": str(amount),
            "recurring": {"interval": interval, "interval_count": count,
                          "usage_type": "licensed"}}


def subscription(sid: str, items: list[tuple[str, dict, int]], *, start: str = "2024-01-01",
                 status: str = "active", customer: str = "cus_1", **fields) -> dict:
    return {"id": sid, "object": "subscription", "customer": customer, "status": status,
            "created": ts(start), "start_date": ts(start),
            "items": {"object": "list", "has_more": False, "data": [
                {"id": iid, "object": "subscription_item", "created": ts(start), "price": p,
                 "quantity": q, "discounts": []} for iid, p, q in items]}, **fields}


def coupon_discount(did: str, start: str, *, end: str | None = None, **coupon) -> dict:
    return {"id": did, "object": "discount", "start": ts(start),
            "end": ts(end) if end else None,
            "source": {"type": "coupon", "coupon": {"id": f"co_{did}", "object": "coupon",
                                                    **coupon}}}


def convert(*subs: dict, customers: tuple[dict, ...] = ()) -> object:
    customers = customers or ({"id": "cus_1", "object": "customer", "created": ts("2023-12-01"),
                               "name": "One"},)
    return convert_stripe({"subscription": {s["id"]: s for s in subs},
                           "customer": {c["id"]: c for c in customers}})


# -- MRR of a line ---------------------------------------------------------------------------


def test_multi_item_subscription_gives_one_line_per_item(imported):
    got = lines(imported)
    # Pro $49.00 x 3 seats = $147.00; Support $20.00 x 1 = $20.00; both from the subscription's
    # start, same account, plan from the product's name.
    assert (got["si_multi_pro"]["mrr"], got["si_multi_pro"]["quantity"],
            got["si_multi_pro"]["plan"]) == ("147.00", "3", "Pro")
    assert (got["si_multi_support"]["mrr"], got["si_multi_support"]["plan"]) == \
        ("20.00", "Support add-on")
    assert {got[i]["start_date"] for i in ("si_multi_pro", "si_multi_support")} == {"2024-01-10"}
    assert {got[i]["account_id"] for i in ("si_multi_pro", "si_multi_support")} == {"cus_multi"}


def test_annual_and_quarterly_prices_are_divided_by_their_months(imported):
    got = lines(imported)
    # $1,000.00 / 12 = 83.333... -> 83.33; 2 x $100.00 / 3 = 66.666... -> 66.67.
    assert (got["si_annual"]["mrr"], got["si_annual"]["billing_period_months"]) == ("83.33", "12")
    assert (got["si_quarter"]["mrr"], got["si_quarter"]["billing_period_months"]) == ("66.67", "3")


def test_mrr_is_rounded_once_half_to_even():
    # $12.30 a year is 1.025 a month exactly: half to even gives 1.02 (half up would give 1.03).
    assert monthly_mrr(Decimal("12.30"), "year", 1) == Decimal("1.02")
    # Rounding happens once on the line, not per seat: 7 seats of $1.00 a quarter is 7/3 =
    # 2.333... -> 2.33 (per seat 0.33 x 7 would be 2.31).
    assert monthly_mrr(Decimal("7.00"), "month", 3) == Decimal("2.33")
    # $49 a week: 49 x 52 / 12 = 212.333... -> 212.33.
    assert monthly_mrr(Decimal("49.00"), "week", 1) == Decimal("212.33")


def test_zero_decimal_currency_amounts_are_whole_units():
    # Stripe writes JPY in yen (no hundredths): 5000 is JPY 5,000, and 10000 a year is 833.33.
    result = convert(subscription("sub_j", [("si_j1", price("p_m", 5000, currency="jpy"), 1)]),
                     subscription("sub_k", [("si_k1", price("p_y", 10000, "year",
                                                            currency="jpy"), 1)]))
    got = lines(result)
    assert (got["si_j1"]["mrr"], got["si_j1"]["currency"]) == ("5000.00", "JPY")
    assert got["si_k1"]["mrr"] == "833.33"


def test_metered_price_is_skipped_with_its_reason(imported):
    got = lines(imported)
    assert got["si_metered_base"]["mrr"] == "10.00"
    assert "si_metered_api" not in got
    skip = next(s for s in imported.skipped if s.id == "si_metered_api")
    assert skip.kind == "subscription_item"
    assert "metered" in skip.reason


# -- trials, cancellations, statuses ---------------------------------------------------------


def test_a_converted_trial_is_a_trial_row_and_revenue_from_its_end(imported):
    got = lines(imported)
    trial = got["sub_trial_conv:trial"]
    assert (trial["is_trial"], trial["mrr"], trial["start_date"], trial["end_date"]) == \
        ("true", "0.00", "2024-03-01", "2024-03-15")
    assert (got["si_trial_conv"]["start_date"], got["si_trial_conv"]["mrr"]) == \
        ("2024-03-15", "30.00")
    row = next(t for t in imported.rows["trials"] if t["account_id"] == "cus_trial_conv")
    assert row == {"account_id": "cus_trial_conv", "started_at": "2024-03-01",
                   "ends_at": "2024-03-15", "converted_at": "2024-03-15"}


def test_a_running_trial_has_no_paid_line(imported):
    got = lines(imported)
    assert "si_trialing" not in got
    assert got["sub_trialing:trial"]["end_date"] == "2024-07-04"
    row = next(t for t in imported.rows["trials"] if t["account_id"] == "cus_trialing")
    assert row["converted_at"] == ""


def test_a_trial_cancelled_before_it_ends_never_converts():
    sub = subscription("sub_t", [("si_t", price("p", 3000), 1)], status="canceled",
                       trial_start=ts("2024-03-01"), trial_end=ts("2024-03-15"),
                       canceled_at=ts("2024-03-10"), ended_at=ts("2024-03-10"))
    result = convert(sub)
    assert [r["subscription_id"] for r in result.rows["subscriptions"]] == ["sub_t:trial"]
    assert result.rows["trials"] == [{"account_id": "cus_1", "started_at": "2024-03-01",
                                      "ends_at": "2024-03-10", "converted_at": ""}]
    assert result.skipped == []  # the trial row says all there is


def test_cancel_at_period_end_keeps_service_to_the_period_end(imported):
    cape = lines(imported)["si_cape"]
    assert (cape["end_date"], cape["cancelled_at"]) == ("2024-06-05", "2024-05-10")
    assert {"account_id": "cus_cape", "cancelled_at": "2024-05-10",
            "reason_code": "too_expensive", "comment": "Moving to a cheaper tool"} in \
        imported.rows["cancellations"]


def test_immediate_cancellation_ends_service_the_day_it_is_asked(imported):
    now = lines(imported)["si_now"]
    assert (now["end_date"], now["cancelled_at"]) == ("2024-04-08", "2024-04-08")


def test_statuses(imported):
    got = lines(imported)
    # past_due stays in MRR (Stripe keeps invoicing and retrying); unpaid ends at the start of
    # the period it was not paid for; incomplete never had paid service.
    assert (got["si_pastdue"]["end_date"], got["si_pastdue"]["mrr"]) == ("", "40.00")
    assert got["si_unpaid"]["end_date"] == "2024-05-01"
    assert any(n.id == "sub_unpaid" for n in imported.notes)
    assert "si_incomplete" not in got
    assert any(s.id == "sub_incomplete" and "incomplete" in s.reason for s in imported.skipped)


def test_incomplete_expired_and_unknown_statuses_are_skipped():
    result = convert(subscription("sub_x", [("si_x", price("p", 100), 1)],
                                  status="incomplete_expired"),
                     subscription("sub_y", [("si_y", price("p", 100), 1)], status="frozen"))
    assert result.rows["subscriptions"] == []
    assert {s.id for s in result.skipped} == {"sub_x", "sub_y"}


# -- discounts -------------------------------------------------------------------------------


def test_forever_percent_coupon_lowers_mrr_for_good(imported):
    # $100.00 less 20% = $80.00, one line.
    assert lines(imported)["si_forever"]["mrr"] == "80.00"


def test_repeating_amount_coupon_splits_the_line_where_it_ends(imported):
    got = lines(imported)
    # $60.00 - $15.00 = $45.00 until 2024-05-01, then $60.00: the end of the coupon is
    # expansion, as ChartMogul and ProfitWell show it.
    assert (got["si_repeat"]["mrr"], got["si_repeat"]["end_date"]) == ("45.00", "2024-05-01")
    later = got["si_repeat@2024-05-01"]
    assert (later["mrr"], later["start_date"], later["end_date"]) == ("60.00", "2024-05-01", "")


def test_once_coupon_discounts_one_billing_period():
    monthly = subscription("sub_m", [("si_m", price("p_m", 10000), 1)], discounts=[
        coupon_discount("di_m", "2024-01-01", percent_off=50, duration="once")])
    annual = subscription("sub_a", [("si_a", price("p_a", 120000, "year"), 1)],
                          discounts=[coupon_discount("di_a", "2024-01-01", percent_off=10,
                                                     duration="once")])
    got = lines(convert(monthly, annual))
    # $100 a month, 50% off the first invoice: 50.00 in January, 100.00 from February.
    assert (got["si_m"]["mrr"], got["si_m"]["end_date"]) == ("50.00", "2024-02-01")
    assert got["si_m@2024-02-01"]["mrr"] == "100.00"
    # $1,200 a year, 10% off the first invoice: 1080 / 12 = 90.00 for the first year.
    assert (got["si_a"]["mrr"], got["si_a"]["end_date"]) == ("90.00", "2025-01-01")
    assert got["si_a@2025-01-01"]["mrr"] == "100.00"


def test_amount_off_coupon_is_shared_by_the_items_in_proportion():
    # $30 + $10 a month, $8 off forever: 8 x 30/40 = 6 and 8 x 10/40 = 2 -> 24.00 and 8.00.
    sub = subscription("sub_s", [("si_big", price("p1", 3000), 1), ("si_small", price("p2", 1000),
                                                                     1)],
                       discounts=[coupon_discount("di_s", "2024-01-01", amount_off=800,
                                                  currency="usd", duration="forever")])
    got = lines(convert(sub))
    assert (got["si_big"]["mrr"], got["si_small"]["mrr"]) == ("24.00", "8.00")


def test_customer_discount_applies_when_the_subscription_has_none():
    customer = {"id": "cus_1", "object": "customer", "created": ts("2023-12-01"),
                "discount": coupon_discount("di_c", "2023-12-01", percent_off=25,
                                            duration="forever")}
    own = subscription("sub_own", [("si_own", price("p", 4000), 1)],
                       discounts=[coupon_discount("di_o", "2024-01-01", percent_off=10,
                                                  duration="forever")])
    bare = subscription("sub_bare", [("si_bare", price("p", 4000), 1)])
    got = lines(convert(own, bare, customers=(customer,)))
    assert (got["si_own"]["mrr"], got["si_bare"]["mrr"]) == ("36.00", "30.00")


def test_an_unexpanded_discount_is_noted_and_mrr_stays_gross():
    sub = subscription("sub_g", [("si_g", price("p", 5000), 1)], discounts=["di_123"])
    result = convert(sub)
    assert lines(result)["si_g"]["mrr"] == "50.00"
    assert any(n.id == "di_123" and "--expand" in n.reason for n in result.notes)


def test_an_amount_coupon_in_another_currency_is_not_applied():
    sub = subscription("sub_e", [("si_e", price("p", 5000, currency="eur"), 1)],
                       discounts=[coupon_discount("di_e", "2024-01-01", amount_off=500,
                                                  currency="usd", duration="forever")])
    result = convert(sub)
    assert lines(result)["si_e"]["mrr"] == "50.00"
    assert any(n.id == "di_e" and "USD" in n.reason for n in result.notes)


# -- accounts, reading, skipping -------------------------------------------------------------


def test_customers_become_accounts(imported):
    accounts = {a["account_id"]: a for a in imported.rows["accounts"]}
    assert accounts["cus_multi"] == {"account_id": "cus_multi", "name": "Multi Seat Ltd",
                                     "created_at": "2024-01-10 09:00:00", "country": "GB"}
    assert len(accounts) == 14


def test_a_subscription_of_a_customer_not_exported_gets_an_account_and_a_note():
    sub = subscription("sub_o", [("si_o", price("p", 100), 1)], customer="cus_ghost",
                       start="2024-02-03")
    result = convert(sub)
    ghost = next(a for a in result.rows["accounts"] if a["account_id"] == "cus_ghost")
    assert ghost["created_at"].startswith("2024-02-03")
    assert any(n.id == "cus_ghost" for n in result.notes)


def test_invoices_and_credit_notes_are_read_and_said_not_to_change_mrr(imported):
    assert imported.read["invoice"] == 1
    assert imported.read["credit_note"] == 1
    assert {n.kind for n in imported.notes} >= {"invoice", "credit_note"}


def test_every_export_shape_is_read(tmp_path):
    one = subscription("sub_1", [("si_1", price("p", 100), 1)])
    two = subscription("sub_2", [("si_2", price("p", 100), 1)])
    three = subscription("sub_3", [("si_3", price("p", 100), 1)])
    (tmp_path / "a.json").write_text(json.dumps({"object": "list", "data": [one]}))
    (tmp_path / "b.json").write_text(json.dumps([two]))
    (tmp_path / "c.jsonl").write_text(json.dumps(three) + "\n\n" +
                                      json.dumps({"object": "charge", "id": "ch_1"}) + "\n")
    objects, skipped = read_stripe_objects(tmp_path)
    assert set(objects["subscription"]) == {"sub_1", "sub_2", "sub_3"}
    assert [(s.kind, s.id) for s in skipped] == [("charge", "ch_1")]


def test_a_file_that_is_not_json_names_its_line(tmp_path):
    (tmp_path / "subs.jsonl").write_text('{"object": "subscription", "id": "s"}\n{oops\n')
    with pytest.raises(InputError, match=r"subs.jsonl line 2: is not valid JSON"):
        read_stripe_objects(tmp_path)


# -- the command -----------------------------------------------------------------------------


def test_import_refuses_to_write_into_the_stripe_folder_or_over_earlier_files(tmp_path):
    with pytest.raises(InputError, match="is the folder of the Stripe files"):
        import_stripe(FIXTURES, FIXTURES)
    out = tmp_path / "canon"
    import_stripe(FIXTURES, out)
    with pytest.raises(InputError, match="--overwrite"):
        import_stripe(FIXTURES, out)
    again = import_stripe(FIXTURES, out, overwrite=True)
    assert again.written["subscriptions"].read_text().count("\n") == 17  # header + 16 lines


def test_the_command_prints_what_it_wrote_and_skipped(tmp_path):
    out = tmp_path / "canon"
    result = runner.invoke(app, ["import", "stripe", str(FIXTURES), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 16 subscriptions" in result.output
    assert "skipped: subscription_item si_metered_api" in result.output
    assert "skipped: subscription sub_incomplete" in result.output
    report = (out / REPORT_FILE).read_text()
    assert "si_metered_api" in report
    assert "sub_incomplete" in report


def test_import_load_metrics_end_to_end(tmp_path):
    """Import the fixtures, load them (EUR at 1.10 USD, as of 2024-06-30), and read MRR by
    month from ``tenure metrics``. Month-end MRR by hand (USD):

    * Jan: multi 147 + 20, quarter 66.67, metered base 10, now 25, forever 80, past_due 40,
      unpaid 35 = 423.67
    * Feb: + annual 83.33 + cape 50 + repeat 45 (60 less the $15 coupon) = 602.00
    * Mar: + trial_conv 30 (paid from 03-15) + eur 45 x 1.10 = 49.50 -> 681.50
    * Apr: - now 25 (ended 04-08) = 656.50
    * May: - unpaid 35 (ended 05-01), repeat coupon over: +15 -> 636.50
    * Jun: - cape 50 (ended 06-05) = 586.50

    The metered item, the running trial and the incomplete subscription add nothing.
    """
    from tenure.warehouse import Warehouse
    from tenure.warehouse.load import load_directory

    canon, project = tmp_path / "canon", tmp_path / "project"
    result = runner.invoke(app, ["import", "stripe", str(FIXTURES), "--out", str(canon)])
    assert result.exit_code == 0, result.output
    (canon / "fx_rates.csv").write_text("currency,rate\nEUR,1.10\n")
    assert runner.invoke(app, ["init", "--project", str(project)]).exit_code == 0
    # What `tenure load` runs, without its SQL warm-up (slow, and not under test here).
    with Warehouse(project / "warehouse.duckdb") as wh:
        load_directory(wh, canon, reporting_currency="USD",
                       as_of=datetime(2024, 6, 30, 23, 59, 59))
    result = runner.invoke(app, ["metrics", "--project", str(project), "--format", "json",
                                 "--from", "2024-01", "--to", "2024-06"])
    assert result.exit_code == 0, result.output
    by_month = {r["month"][:7]: Decimal(str(r["mrr"])) for r in json.loads(result.output)}
    assert by_month == {"2024-01": Decimal("423.67"), "2024-02": Decimal("602.00"),
                        "2024-03": Decimal("681.50"), "2024-04": Decimal("656.50"),
                        "2024-05": Decimal("636.50"), "2024-06": Decimal("586.50")}


def test_a_broken_json_document_names_the_line_of_the_error(tmp_path):
    # A pretty-printed document broken on its third line: the message names line 3, not 1.
    (tmp_path / "customers.json").write_text('{\n  "object": "list",\n  "data": [,]\n}\n')
    with pytest.raises(InputError, match=r"customers.json line 3: is not valid JSON"):
        read_stripe_objects(tmp_path)


def test_subscriptions_embedded_in_customers_are_not_reported_twice(tmp_path):
    sub = subscription("sub_1", [("si_1", price("p", 100), 1)])
    customer = {"id": "cus_1", "object": "customer", "created": ts("2023-12-01"),
                "subscriptions": {"object": "list", "data": [sub]}}
    hidden = subscription("sub_2", [("si_2", price("p", 100), 1)])
    customer2 = {"id": "cus_2", "object": "customer", "created": ts("2023-12-01"),
                 "subscriptions": {"object": "list", "data": [hidden]}}
    # customers.json sorts before subscriptions.json: its embedded copy must not win or clash.
    (tmp_path / "customers.json").write_text(json.dumps({"object": "list",
                                                         "data": [customer, customer2]}))
    (tmp_path / "subscriptions.json").write_text(json.dumps({"object": "list", "data": [sub]}))
    objects, skipped = read_stripe_objects(tmp_path)
    assert set(objects["subscription"]) == {"sub_1", "sub_2"}
    assert skipped == []


def test_a_backdated_subscription_moves_the_sign_up_to_its_start():
    # Migrated into Stripe on 2024-03-01 with service backdated to 2023-06-01.
    customer = {"id": "cus_1", "object": "customer", "created": ts("2024-03-01")}
    sub = subscription("sub_b", [("si_b", price("p", 100), 1)], start="2023-06-01")
    result = convert(sub, customers=(customer,))
    assert result.rows["accounts"][0]["created_at"].startswith("2023-06-01")
    assert any(n.id == "cus_1" and "backdated" not in n.reason and "sign-up" in n.reason
               for n in result.notes)


def test_an_expanded_customer_in_a_subscription_is_its_account():
    sub = subscription("sub_x", [("si_x", price("p", 100), 1)],
                       customer={"id": "cus_x", "object": "customer",
                                 "created": ts("2023-11-02"), "name": "Expanded"})
    result = convert(sub)
    x = next(a for a in result.rows["accounts"] if a["account_id"] == "cus_x")
    assert (x["name"], x["created_at"][:10]) == ("Expanded", "2023-11-02")
    assert not any(n.id == "cus_x" for n in result.notes)


def test_the_cancellation_request_marks_every_stretch_running_on_that_day():
    # $60 a month from 2024-01-01, $10 off until 2024-03-01, asked on 2024-04-10 to cancel at
    # the period end 2024-06-01: the first stretch ended before the request and is not marked.
    sub = subscription("sub_c", [("si_c", price("p", 6000), 1)], cancel_at_period_end=True,
                       canceled_at=ts("2024-04-10"), discounts=[coupon_discount(
                           "di_c", "2024-01-01", end="2024-03-01", amount_off=1000,
                           currency="usd", duration="repeating", duration_in_months=2)])
    sub["items"]["data"][0]["current_period_end"] = ts("2024-06-01")
    got = lines(convert(sub))
    assert (got["si_c"]["mrr"], got["si_c"]["end_date"], got["si_c"]["cancelled_at"]) == \
        ("50.00", "2024-03-01", "")
    later = got["si_c@2024-03-01"]
    assert (later["mrr"], later["end_date"], later["cancelled_at"]) == \
        ("60.00", "2024-06-01", "2024-04-10")


def test_a_request_made_before_the_last_stretch_marks_the_stretch_it_was_made_in():
    # As above but the $10 coupon runs to 2024-05-01: the request of 2024-04-10 falls in the
    # first stretch, which must carry it (else churn_recognition: cancellation would keep
    # counting its MRR until 2024-05-01).
    sub = subscription("sub_d", [("si_d", price("p", 6000), 1)], cancel_at_period_end=True,
                       canceled_at=ts("2024-04-10"), discounts=[coupon_discount(
                           "di_d", "2024-01-01", end="2024-05-01", amount_off=1000,
                           currency="usd", duration="repeating", duration_in_months=4)])
    sub["items"]["data"][0]["current_period_end"] = ts("2024-06-01")
    got = lines(convert(sub))
    assert (got["si_d"]["end_date"], got["si_d"]["cancelled_at"]) == ("2024-05-01", "2024-04-10")
    assert got["si_d@2024-05-01"]["cancelled_at"] == "2024-04-10"


def test_a_canceled_subscription_without_dates_is_skipped_not_left_running():
    result = convert(subscription("sub_z", [("si_z", price("p", 100), 1)], status="canceled"))
    assert result.rows["subscriptions"] == []
    assert [s.id for s in result.skipped] == ["sub_z"]


def test_two_trials_started_the_same_day_make_one_row_and_a_note():
    subs = [subscription(f"sub_{n}", [(f"si_{n}", price("p", 100), 1)], status="trialing",
                         trial_start=ts("2024-06-01"), trial_end=ts("2024-06-15"))
            for n in (1, 2)]
    result = convert(*subs)
    assert len(result.rows["trials"]) == 1
    assert any(n.kind == "trials" and "cus_1" in n.id for n in result.notes)


def test_an_older_api_version_shape_is_read():
    # Before 2025 the period sat on the subscription, items carried a legacy `plan` (amount,
    # interval), and a discount held its coupon directly in `discount.coupon`.
    plan = {"id": "plan_old", "object": "plan", "amount": 9900, "currency": "usd",
            "interval": "month", "interval_count": 1, "usage_type": "licensed",
            "billing_scheme": "per_unit", "nickname": "Old Pro", "product": "prod_old"}
    sub = {"id": "sub_old", "object": "subscription", "customer": "cus_1", "status": "active",
           "created": ts("2023-01-01"), "start_date": ts("2023-01-01"),
           "cancel_at_period_end": True, "canceled_at": ts("2024-02-10"),
           "current_period_start": ts("2024-02-01"), "current_period_end": ts("2024-03-01"),
           "discount": {"id": "di_old", "object": "discount", "start": ts("2023-01-01"),
                        "end": None, "coupon": {"id": "TEN", "object": "coupon",
                                                "percent_off": 10, "duration": "forever"}},
           "items": {"object": "list", "data": [
               {"id": "si_old", "object": "subscription_item", "created": ts("2023-01-01"),
                "plan": plan, "quantity": 2}]}}
    old = lines(convert(sub))["si_old"]
    # 2 x $99.00 less 10% = 178.20, to the period end 2024-03-01, asked on 2024-02-10.
    assert (old["mrr"], old["plan"], old["end_date"], old["cancelled_at"]) == \
        ("178.20", "Old Pro", "2024-03-01", "2024-02-10")


def test_transform_quantity_bills_packages():
    # $5.00 per pack of 10 seats, rounded up: 25 seats are 3 packs = $15.00.
    p = price("p_pack", 500) | {"transform_quantity": {"divide_by": 10, "round": "up"}}
    assert lines(convert(subscription("sub_p", [("si_p", p, 25)])))["si_p"]["mrr"] == "15.00"


def test_an_item_list_cut_short_is_noted():
    sub = subscription("sub_h", [("si_h", price("p", 100), 1)])
    sub["items"]["has_more"] = True
    result = convert(sub)
    assert any(n.id == "sub_h" and "has_more" in n.reason for n in result.notes)


def test_an_item_added_later_starts_on_its_own_day():
    sub = subscription("sub_l", [("si_base", price("p1", 1000), 1),
                                 ("si_addon", price("p2", 500), 1)], start="2024-01-01")
    sub["items"]["data"][1]["created"] = ts("2024-03-12")
    got = lines(convert(sub))
    assert (got["si_base"]["start_date"], got["si_addon"]["start_date"]) == \
        ("2024-01-01", "2024-03-12")
