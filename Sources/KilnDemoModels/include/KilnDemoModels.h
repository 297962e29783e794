// Umbrella header: the build plugin generates kiln_generated.h into its work directory.
#include "kiln_generated.h"
