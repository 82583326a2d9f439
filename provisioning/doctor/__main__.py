import sys

from provisioning.doctor import main

sys.exit(main())
