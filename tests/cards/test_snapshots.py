import pytest

from cards.snapshots import CardSnapshot


@pytest.mark.django_db
def test_shared_blocks_have_the_same_keys_in_every_scenario(seeded_card):
    snapshot = CardSnapshot(seeded_card.versions.get(number=1).snapshot)

    keys_per_scenario = [
        {s.key for s in scenario.steps if s.block == "kommunikation"}
        for scenario in snapshot.scenarios()
    ]

    assert len(keys_per_scenario) == 7
    assert all(keys == {"kommunikation/0", "kommunikation/1"} for keys in keys_per_scenario)


@pytest.mark.django_db
def test_yammer_template_uses_the_scenarios_own_reason(seeded_card):
    snapshot = CardSnapshot(seeded_card.versions.get(number=1).snapshot)

    network = snapshot.scenario("nedbrud-netvaerk-dokk1")
    yammer = [s.text for s in network.steps if "Yammer" in s.text]

    assert yammer
    assert all("evakuering" not in text for text in yammer)
