class InteropError(ValueError):
    """Input in RingRift's formats that we cannot take: the message says what and where."""
