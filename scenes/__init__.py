"""Example scenes (`*.json`) and inverse-rendering demos (`demos/<name>/`), installed as
package data of `reynolds.scenes`; `reynolds.example_scene(name)` gives a file's path."""
