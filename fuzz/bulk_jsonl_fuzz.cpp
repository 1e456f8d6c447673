// The Shopify bulk export reader: a downloaded JSONL file is indexed (children by "__parentId", in any
// order) and read back in pages, each object mapped with customer_from_json as the connector does. The
// file comes from Shopify's storage; a malformed one must fail the export, not the daemon, and paging
// must always move forward (the engine follows `next` until `done`).
//
// Input: the file's content.
#include "connectors/shopify/bulk.hpp"
#include "connectors/shopify/mapping.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

using namespace crmsync;

namespace {

std::string scratch_file()
{
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/crmsync-bulk-fuzz-" + std::to_string(::getpid()) + ".jsonl";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const std::string path = scratch_file();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0)
        std::abort(); // the machine, not the code under test

    shopify::jsonl_export reader;
    if (!reader.open(path))
        return 0;
    std::uint64_t at = 0;
    // Small pages, so that parents and children land on different pages.
    for (std::size_t pages = 0;; ++pages) {
        auto batch = reader.read(at, 2);
        if (!batch)
            break;
        for (const auto& o : batch->objects)
            (void)shopify::customer_from_json(o);
        if (batch->done)
            break;
        if (batch->next <= at || pages > size)
            __builtin_trap(); // the engine would ask for the same page for ever
        at = batch->next;
    }
    return 0;
}
