/* A console program with extra sections, imports from several DLLs and
 * resources, for the pe module tests. */
#include <windows.h>
#include <stdio.h>

__attribute__((section(".spoor1"))) volatile int first_section_value = 1;
__attribute__((section(".spoorlongname"))) volatile int long_section_value = 2;

int main(int argc, char **argv) {
    HMODULE self = GetModuleHandleA(NULL);
    char path[MAX_PATH];
    GetModuleFileNameA(self, path, sizeof path);
    DWORD pid = GetCurrentProcessId();
    RegCloseKey(HKEY_CURRENT_USER);
    printf("%s %lu %d %d %d\n", argc > 1 ? argv[1] : path, (unsigned long)pid,
           first_section_value, long_section_value, MessageBoxA(NULL, "x", "y", 0));
    return 0;
}
