#include "services/common/heap.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace d365 {

void tuneHeapForSync()
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024);
#endif
}

} // namespace d365
