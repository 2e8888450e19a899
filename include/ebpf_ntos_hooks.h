// The name microsoft/ntosebpfext gives its process hook header: programs written for it include this.
#pragma once

#include "ebpf_process_hooks.h"
