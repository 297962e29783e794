#include "kiln_generated.h"
