"""The one exception type the harness raises for bad input; the CLI prints it as one line."""


class HarnessError(Exception):
    """Bad config, dataset or file: the message names the field and the fix."""
