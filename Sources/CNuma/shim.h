#ifndef NUMASIM_CNUMA_SHIM_H
#define NUMASIM_CNUMA_SHIM_H
// libnuma (Debian libnuma-dev 2.0.16). Globals such as numa_all_nodes_ptr trip Swift 6
// strict concurrency checking, so they are read through static inline accessors here.
#include <numa.h>

static inline int numasim_numa_max_node(void) { return numa_max_node(); }
static inline struct bitmask *numasim_numa_nodes_ptr(void) { return numa_nodes_ptr; }
static inline int numasim_bitmask_isbitset(const struct bitmask *bmp, unsigned int n) {
    return numa_bitmask_isbitset(bmp, n);
}
#endif
