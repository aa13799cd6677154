from runtime.service import serve
from services.triage.bootstrap import SPEC

serve(SPEC)
