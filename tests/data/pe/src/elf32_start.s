# A minimal static 32-bit ELF executable (exit(0)), for the elf module's
# 32-bit paths.
.globl _start
.text
_start:
    mov $1, %eax
    xor %ebx, %ebx
    int $0x80
.data
marker:
    .ascii "spoor elf32 sample"
