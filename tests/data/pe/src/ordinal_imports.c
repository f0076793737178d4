/* Imports ws2_32.dll functions by ordinal only, for the names YARA gives
 * such imports (pe.imports, pe.imphash). */
extern void ws_accept(void);
extern void ws_getaddrinfo_w(void);
extern void ws_startup(void);
extern void ws_wep(void);
extern void ws_unnamed(void);

void *imported[] = {
    (void *)ws_accept, (void *)ws_getaddrinfo_w, (void *)ws_startup, (void *)ws_wep,
    (void *)ws_unnamed,
};

int main(void) { return imported[0] != 0; }
