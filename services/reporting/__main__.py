from runtime.service import serve
from services.reporting.bootstrap import SPEC

if __name__ == "__main__":  # not when a worker process imports it
    serve(SPEC)
