import sys
from pathlib import Path

# The app is a script folder, not a package: make `import app` find it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
