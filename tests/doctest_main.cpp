// doctest's main, plus one rule: a run that was asked for particular test cases and ran none fails.
// ctest runs each case by name (doctest_discover_tests); a name the filter cannot express (a ';' splits
// it into two ctest entries) would otherwise "pass" without running anything.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string_view>

namespace {

unsigned cases_run = 0;
bool run_ended = false;

struct count_listener : doctest::IReporter {
    explicit count_listener(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& s) override
    {
        cases_run = s.numTestCasesPassingFilters;
        run_ended = true;
    }
    void test_case_start(const doctest::TestCaseData&) override {}
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

} // namespace

DOCTEST_REGISTER_LISTENER("count_cases", 1, count_listener);

int main(int argc, char** argv)
{
    doctest::Context ctx(argc, argv);
    const int rc = ctx.run();
    if (ctx.shouldExit())
        return rc;
    bool filtered = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        filtered = filtered || a.starts_with("--test-case=") || a.starts_with("-tc=");
    }
    if (rc == 0 && filtered && run_ended && cases_run == 0) {
        std::fprintf(stderr, "no test case matched the filter: the name cannot be selected as given\n");
        return 1;
    }
    return rc;
}
