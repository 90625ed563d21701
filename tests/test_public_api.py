import importlib

import reynolds


def test_every_public_name_imports():
    assert reynolds.__all__, "the public API must list its names"
    for name in reynolds.__all__:
        assert getattr(reynolds, name) is not None, name


def test_design_names_are_public():
    # docs/design.md §7: the names tools, tests and users share.
    for name in (
        "load_scene",
        "save_scene",
        "parse_scene",
        "render",
        "render_exact",
        "backward",
        "loss_and_grad",
    ):
        assert name in reynolds.__all__


def test_console_script_target_exists():
    cli = importlib.import_module("reynolds.cli")
    assert callable(cli.entry_point) and callable(cli.main)
