from runtime.service import serve
from services.intake.bootstrap import SPEC

serve(SPEC)
