from runtime.migrations import run_env
from services.reporting.adapters.orm import metadata

run_env(metadata)
