from runtime.service import serve
from services.triage.bootstrap import SPEC

if __name__ == "__main__":  # not when a worker process imports it
    serve(SPEC)
