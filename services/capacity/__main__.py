from runtime.service import serve
from services.capacity.bootstrap import SPEC

if __name__ == "__main__":  # not when a worker process imports it
    serve(SPEC)
