import importlib

import renderer


def test_every_public_name_imports():
    assert renderer.__all__, "the public API must list its names"
    for name in renderer.__all__:
        assert getattr(renderer, name) is not None, name


def test_design_names_are_public():
    # DESIGN.md section 6: the names tools, tests and users share.
    for name in (
        "load_scene",
        "save_scene",
        "parse_scene",
        "render",
        "render_exact",
        "backward",
        "loss_and_grad",
    ):
        assert name in renderer.__all__


def test_console_script_target_exists():
    cli = importlib.import_module("renderer.cli")
    assert callable(cli.entry_point) and callable(cli.main)
