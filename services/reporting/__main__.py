from runtime.service import serve
from services.reporting.bootstrap import SPEC

serve(SPEC)
