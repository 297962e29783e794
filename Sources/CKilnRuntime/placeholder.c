#include "kiln_runtime.h"
