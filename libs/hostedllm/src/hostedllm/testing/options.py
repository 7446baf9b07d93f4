"""The plugin's names, importable without pytest or vcrpy."""

#: The marker whose tests get the ``hostedllm_cassette`` fixture.
MARKER = "hostedllm_cassette"
#: The command-line option that records every marked test again.
RECORD_OPTION = "--hostedllm-record"
