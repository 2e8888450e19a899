# A loop entered at two places (pc 3 falls into its head, the jump at pc 2 lands in its middle): bounded,
# so the verifier accepts it, but not reducible, so the JIT refuses it. clang emits no such graph from C,
# hence assembly (clang -target bpf assembles it like any .s).
	.text
	.section	bind,"ax",@progbits
	.globl	Irreducible
	.p2align	3
	.type	Irreducible,@function
Irreducible:
	r0 = 0
	r2 = *(u64 *)(r1 + 16)
	if r2 == 0 goto LBB0_2
LBB0_1:
	r0 += 1
LBB0_2:
	r0 += 2
	if r0 < 10 goto LBB0_1
	r0 = 0
	exit
.Lfunc_end0:
	.size	Irreducible, .Lfunc_end0-Irreducible
	.section	license,"aw",@progbits
	.globl	LICENSE
LICENSE:
	.asciz	"MIT"
	.size	LICENSE, 4
