"""arm64 as Go's toolchain sees it: constants, assembly, disassembly, and the CPU libraries.

``immediates`` mirrors asm7.go's constant classes (why ``ADD $65552, RSP, RSP`` becomes two ADDs);
``asm`` assembles Progs with keystone and decodes them with capstone; ``armform`` and ``gosyntax``
spell a word as ``go tool objdump`` does (golang.org/x/arch/arm64/arm64asm, plan9x.go);
``encoder`` is lesson 2's ADD encoder; ``cpu`` is the one module that names unicorn, capstone
and keystone.
"""
