"""Print one bearer token for the stack of `make up` (its development issuer under .data/identity):

    .venv/bin/python -m deploy.token --rol gi --organisatie WSS
    .venv/bin/python -m deploy.token --rol lokaal_team --organisatie WT-ROTTERDAM-NOORD --gemeente GM0599

Only the token goes to stdout, so `TOKEN=$(.venv/bin/python -m deploy.token …)` works.
"""

import argparse
import sys
from pathlib import Path

from deploy.identity import ensure_dev_issuer
from deploy.stack import ROOT
from runtime.clock import clock_from
from runtime.identity import LOKAAL_TEAM, ROLES
from runtime.settings import ServiceSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rol", required=True, choices=ROLES)
    parser.add_argument("--organisatie", required=True, help="GI code, team code, RvdK or GRJR")
    parser.add_argument("--gemeente", help="a local team's municipality, e.g. GM0599")
    parser.add_argument("--naam", help="the person's name (optional)")
    parser.add_argument("--sub", help="subject; default <rol>:<organisatie>")
    parser.add_argument("--geldig", type=int, default=3600, help="seconds the token is valid (default 3600)")
    parser.add_argument("--data", default=str(ROOT / ".data"), help="the stack's data folder")
    args = parser.parse_args(argv)
    if args.rol == LOKAAL_TEAM and not args.gemeente:
        parser.error("a lokaal_team token needs --gemeente")
    if args.geldig <= 0:
        parser.error("--geldig must be positive")
    issuer = ensure_dev_issuer(Path(args.data) / "identity")
    settings = ServiceSettings()  # CLOCK_FILE, CLOCK_START / CLOCK_STARTED_AT: the stack's clock
    token = issuer.mint(rol=args.rol, organisatie=args.organisatie, gemeente=args.gemeente, naam=args.naam,
                        sub=args.sub, geldig_s=args.geldig,
                        clock=clock_from(settings.clock_start, settings.clock_started_at,
                                         settings.clock_file))
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
