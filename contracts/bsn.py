"""The citizen service number (BSN): one check for every part of the chain that meets one (intake
validates reports with it; the demo and the tests make valid ones with it)."""


def is_valid_bsn(bsn: str) -> bool:
    """The eleven-test (elfproef) for a 9-digit citizen service number."""
    if len(bsn) != 9 or not bsn.isdigit() or bsn == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(bsn[:8], range(9, 1, -1), strict=True)) - int(bsn[8])
    return total % 11 == 0
