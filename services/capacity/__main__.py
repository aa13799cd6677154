from runtime.service import serve
from services.capacity.bootstrap import SPEC

serve(SPEC)
