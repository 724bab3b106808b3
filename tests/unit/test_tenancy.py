"""Who may act for which municipality (``hub.domain.tenancy``), without a database."""

from __future__ import annotations

from hub.domain.tenancy import (
    ROLE_ADMIN,
    ROLE_OPERATOR,
    ROLE_PORTAL,
    ROLE_VIEWER,
    ApiClient,
    OperatorAccount,
    scope,
    sees,
)

GLADBECK = "05562014"
HERTEN = "05562020"


def portal(municipalities: set[str], services: set[str] | None = None) -> ApiClient:
    return ApiClient(
        id="c-1",
        name="portal-gladbeck",
        municipalities=frozenset(municipalities),
        services=frozenset(services) if services is not None else None,
        roles=frozenset({ROLE_PORTAL}),
        callback_url=None,
        callback_secret=None,
    )


def test_a_portal_posts_only_for_its_municipalities_and_services() -> None:
    # Given a portal serving Gladbeck, restricted to the dog tax
    client = portal({GLADBECK}, {"hundesteuer-anmeldung"})

    # Then it may post that service for Gladbeck, and nothing else
    assert client.may_act_for(GLADBECK, "hundesteuer-anmeldung")
    assert client.may_act_for(GLADBECK)
    assert not client.may_act_for(GLADBECK, "bauantrag")
    assert not client.may_act_for(HERTEN, "hundesteuer-anmeldung")


def test_a_portal_of_every_municipality_and_service() -> None:
    # Given a portal for all municipalities without a service restriction
    client = portal({"*"})

    # Then it may post anything anywhere, and its reads are not filtered
    assert client.may_act_for(HERTEN, "bauantrag")
    assert client.scope is None


def test_an_operator_sees_their_municipalities_only_and_no_region_wide_destination() -> None:
    # Given an operator looking after Gladbeck
    operator = OperatorAccount("o-1", "anna", ROLE_OPERATOR, frozenset({GLADBECK}))

    # Then they see Gladbeck, not Herten, not a destination of no municipality; reads filter by Gladbeck
    assert operator.sees(GLADBECK)
    assert not operator.sees(HERTEN)
    assert not operator.sees(None)
    assert operator.scope == [GLADBECK]
    assert not operator.all_municipalities


def test_an_operator_of_the_whole_region_sees_everything() -> None:
    # Given an operator of all municipalities
    operator = OperatorAccount("o-2", "ben", ROLE_VIEWER, frozenset({"*"}))

    # Then every municipality and region-wide destinations are theirs, unfiltered
    assert operator.sees(HERTEN)
    assert operator.sees(None)
    assert operator.scope is None
    assert sees(frozenset({"*"}), GLADBECK)
    assert scope(frozenset({HERTEN, GLADBECK})) == [GLADBECK, HERTEN]


def test_viewers_look_operators_act_admins_also_see_personal_data() -> None:
    viewer, operator, admin = (
        OperatorAccount(f"o-{role}", role, role, frozenset({GLADBECK}))
        for role in (ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN)
    )

    # Then only operators and admins act, and only admins see personal data
    assert (viewer.may_act, operator.may_act, admin.may_act) == (False, True, True)
    assert (viewer.sees_personal_data, operator.sees_personal_data, admin.sees_personal_data) == (False, False, True)
