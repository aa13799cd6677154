from runtime.migrations import run_env
from services.capacity.adapters.orm import metadata

run_env(metadata)
