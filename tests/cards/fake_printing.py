"""A stand-in for WeasyPrint in the printed-card tests: they are about files, access and
when a render happens, not layout."""

FAKE_PDF = b"%PDF-1.7 test\n"


def fake_renders(monkeypatch, modules, *, numbered=False) -> list:
    """Replace the card renderers in ``modules``; the renders asked for, as ("bundle" or the
    scenario slug, version number), in the list returned. ``numbered``: each bundle's bytes
    end with its version, so two versions' files differ."""
    calls = []

    def fake_bundle(*, version):
        calls.append(("bundle", version.number))
        return FAKE_PDF + (f"v{version.number}".encode() if numbered else b"")

    def fake_scenario(*, version, scenario_slug):
        calls.append((scenario_slug, version.number))
        return FAKE_PDF

    for module in modules:
        monkeypatch.setattr(module, "render_card_bundle", fake_bundle)
        monkeypatch.setattr(module, "render_scenario_card", fake_scenario)
    return calls
