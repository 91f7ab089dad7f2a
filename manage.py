#!/usr/bin/env python
import gc
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kojo_shishin.settings")
    if sys.argv[1:2] == ["export_sheet"]:
        # A short-lived process: the cycle collector, paused until the export ends
        # (export_sheet's run_from_argv), would otherwise run about 140 times while Django starts.
        gc.disable()
    if _exports_pdf(sys.argv[1:]):
        # WeasyPrint loads in the drawing processes' fork server while Django starts here
        # (goals/sheet/drawing.py), instead of after the sheet is read.
        from goals.sheet.drawing import start_server

        start_server(forked=True)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


def _exports_pdf(arguments: list[str]) -> bool:
    if arguments[:1] != ["export_sheet"]:
        return False
    for i, argument in enumerate(arguments):
        value = argument.partition("=")[2] if argument.startswith("--format=") else None
        if argument == "--format" and i + 1 < len(arguments):
            value = arguments[i + 1]
        if value is not None and value.lower() == "pdf":
            return True
    return False


if __name__ == "__main__":
    main()
