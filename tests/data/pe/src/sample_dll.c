/* A DLL with named and ordinal-only exports, a forwarder, TLS, several
 * sections and resources, for the pe module tests. */
#include <winsock2.h>
#include <windows.h>

__attribute__((section(".shared"))) int shared_counter = 7;
__attribute__((section(".rdata2"))) const char marker[] = "spoor-pe-test";

static void NTAPI on_tls(PVOID module, DWORD reason, PVOID reserved) {
    (void)module; (void)reason; (void)reserved;
    shared_counter++;
}
__attribute__((section(".CRT$XLB"))) PIMAGE_TLS_CALLBACK tls_callback = on_tls;

__declspec(dllexport) int SpoorAdd(int a, int b) { return a + b + shared_counter; }
__declspec(dllexport) int SpoorMul(int a, int b) { return a * b; }
int SpoorHidden(void) { return (int)GetTickCount() + (int)htons(80); }

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {
    (void)reserved;
    if (reason == DLL_PROCESS_ATTACH) {
        DisableThreadLibraryCalls(instance);
        MessageBeep(0);
    }
    return marker[0] != 0;
}
