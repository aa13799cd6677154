from runtime.service import serve
from services.caseregie.bootstrap import SPEC

serve(SPEC)
