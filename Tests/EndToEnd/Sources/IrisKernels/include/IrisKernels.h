// The build plugin writes kiln_generated.h (declarations of every model in this target).
#include "kiln_generated.h"
