#pragma once

// Process-wide heap settings for syncing, called once at the top of main() by the GUI and the CLI.
//
// A bulk write builds a request body of a few hundred kilobytes to a few megabytes, and a chunk of a
// thousand converted rows is freed as a whole when its answer arrives. With glibc's defaults every such
// block above 128 KB is an mmap/munmap pair (its pages faulted in and zeroed anew each time), and every
// large free consolidates and trims the heap; measured on the 100,000-row benchmark that was about a fifth
// of the client's CPU time. Serving them from the heap and trimming only past 128 MB removes that cost
// while memory stays bounded by the rows in flight.

namespace d365 {

void tuneHeapForSync();

} // namespace d365
