/// The seccomp filter that bwrap installs just before it executes a native app (`--seccomp FD`): a
/// classic BPF program over `struct seccomp_data` that lets every system call through except
///
/// - those that reach past the sandbox's namespaces or into the kernel's shared state: mounts and new
///   namespaces (`clone` with a namespace flag, `unshare`, `setns`; `clone3`, whose flags a filter
///   cannot read, answers ENOSYS so that the C library falls back to `clone`), keyrings, `ptrace`,
///   `bpf`, `perf_event_open`, `userfaultfd`, `io_uring` (whose operations bypass seccomp), modules,
///   `kexec`, `reboot`, swap, clocks, quotas and the like;
/// - `setsid` and `setpgid`, so every process of the task stays in its process group, where the CPU
///   throttle and the kill reach it;
/// - `socket` for any family but `AF_UNIX`, so the app cannot even open a network socket;
/// - the terminal-injection ioctls `TIOCSTI` and `TIOCLINUX`;
///
/// which fail with EPERM, and it kills the process on any other architecture's system call (a 32-bit
/// call or an x32 one on x86-64 would bypass the numbers below).
struct SeccompFilter {
    /// A system call's number on each architecture the filter knows (`nil`: not on that one).
    private struct Call {
        let x86_64: UInt32?
        let aarch64: UInt32?
    }

    /// The architecture's `AUDIT_ARCH_*` value and its column in the tables below.
    private let audit: UInt32
    private let number: (Call) -> UInt32?

    /// The filter for the machine this runs on; `nil` where no table exists (seccomp is then not applied).
    static var forThisMachine: SeccompFilter? {
        #if arch(x86_64)
            SeccompFilter(audit: 0xC000_003E, number: \.x86_64)
        #elseif arch(arm64)
            SeccompFilter(audit: 0xC000_00B7, number: \.aarch64)
        #else
            nil
        #endif
    }

    private static let denied: [Call] = [
        Call(x86_64: 101, aarch64: 117),  // ptrace
        Call(x86_64: 103, aarch64: 116),  // syslog
        Call(x86_64: 109, aarch64: 154),  // setpgid
        Call(x86_64: 112, aarch64: 157),  // setsid
        Call(x86_64: 134, aarch64: nil),  // uselib
        Call(x86_64: 153, aarch64: 58),  // vhangup
        Call(x86_64: 155, aarch64: 41),  // pivot_root
        Call(x86_64: 156, aarch64: nil),  // _sysctl
        Call(x86_64: 161, aarch64: 51),  // chroot
        Call(x86_64: 163, aarch64: 89),  // acct
        Call(x86_64: 164, aarch64: 170),  // settimeofday
        Call(x86_64: 165, aarch64: 40),  // mount
        Call(x86_64: 166, aarch64: 39),  // umount2
        Call(x86_64: 167, aarch64: 224),  // swapon
        Call(x86_64: 168, aarch64: 225),  // swapoff
        Call(x86_64: 169, aarch64: 142),  // reboot
        Call(x86_64: 170, aarch64: 161),  // sethostname
        Call(x86_64: 171, aarch64: 162),  // setdomainname
        Call(x86_64: 172, aarch64: nil),  // iopl
        Call(x86_64: 173, aarch64: nil),  // ioperm
        Call(x86_64: 175, aarch64: 105),  // init_module
        Call(x86_64: 176, aarch64: 106),  // delete_module
        Call(x86_64: 179, aarch64: 60),  // quotactl
        Call(x86_64: 212, aarch64: 18),  // lookup_dcookie
        Call(x86_64: 246, aarch64: 104),  // kexec_load
        Call(x86_64: 248, aarch64: 217),  // add_key
        Call(x86_64: 249, aarch64: 218),  // request_key
        Call(x86_64: 250, aarch64: 219),  // keyctl
        Call(x86_64: 272, aarch64: 97),  // unshare
        Call(x86_64: 298, aarch64: 241),  // perf_event_open
        Call(x86_64: 300, aarch64: 262),  // fanotify_init
        Call(x86_64: 303, aarch64: 264),  // name_to_handle_at
        Call(x86_64: 304, aarch64: 265),  // open_by_handle_at
        Call(x86_64: 308, aarch64: 268),  // setns
        Call(x86_64: 310, aarch64: 270),  // process_vm_readv
        Call(x86_64: 311, aarch64: 271),  // process_vm_writev
        Call(x86_64: 312, aarch64: 272),  // kcmp
        Call(x86_64: 313, aarch64: 273),  // finit_module
        Call(x86_64: 320, aarch64: 294),  // kexec_file_load
        Call(x86_64: 321, aarch64: 280),  // bpf
        Call(x86_64: 323, aarch64: 282),  // userfaultfd
        Call(x86_64: 425, aarch64: 425),  // io_uring_setup
        Call(x86_64: 426, aarch64: 426),  // io_uring_enter
        Call(x86_64: 427, aarch64: 427),  // io_uring_register
        Call(x86_64: 428, aarch64: 428),  // open_tree
        Call(x86_64: 429, aarch64: 429),  // move_mount
        Call(x86_64: 430, aarch64: 430),  // fsopen
        Call(x86_64: 431, aarch64: 431),  // fsconfig
        Call(x86_64: 432, aarch64: 432),  // fsmount
        Call(x86_64: 433, aarch64: 433),  // fspick
        Call(x86_64: 442, aarch64: 442),  // mount_setattr
    ]
    private static let clone3 = Call(x86_64: 435, aarch64: 435)
    private static let clone = Call(x86_64: 56, aarch64: 220)
    private static let socket = Call(x86_64: 41, aarch64: 198)
    private static let ioctl = Call(x86_64: 16, aarch64: 29)

    /// CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET.
    private static let namespaceFlags: UInt32 = 0x0002_0000 | 0x0200_0000 | 0x0400_0000 | 0x0800_0000
        | 0x1000_0000 | 0x2000_0000 | 0x4000_0000
    private static let afUnix: UInt32 = 1
    private static let terminalInjection: [UInt32] = [0x5412, 0x541C]  // TIOCSTI, TIOCLINUX
    /// x86-64's x32 ABI marks its system call numbers with this bit.
    private static let x32Bit: UInt32 = 0x4000_0000

    // Classic BPF: opcodes, and the seccomp_data offsets and return values.
    private static let loadWord: UInt16 = 0x20  // BPF_LD | BPF_W | BPF_ABS
    private static let jumpEqual: UInt16 = 0x15  // BPF_JMP | BPF_JEQ | BPF_K
    private static let jumpAtLeast: UInt16 = 0x35  // BPF_JMP | BPF_JGE | BPF_K
    private static let jumpAnyBit: UInt16 = 0x45  // BPF_JMP | BPF_JSET | BPF_K
    private static let returnValue: UInt16 = 0x06  // BPF_RET | BPF_K
    private static let numberOffset: UInt32 = 0
    private static let archOffset: UInt32 = 4
    /// The low 32 bits of argument `n` (little-endian machines).
    private static func argumentOffset(_ n: UInt32) -> UInt32 { 16 + 8 * n }
    private static let allow: UInt32 = 0x7FFF_0000
    private static let killProcess: UInt32 = 0x8000_0000
    private static let permissionDenied: UInt32 = 0x0005_0000 | 1  // SECCOMP_RET_ERRNO | EPERM
    private static let notImplemented: UInt32 = 0x0005_0000 | 38  // SECCOMP_RET_ERRNO | ENOSYS

    private struct Instruction {
        let code: UInt16
        let jumpIfTrue: UInt8
        let jumpIfFalse: UInt8
        let value: UInt32
    }

    /// The program as bwrap reads it: an array of `struct sock_filter` (8 bytes each, little-endian).
    var program: [UInt8] {
        instructions.flatMap { instruction in
            withUnsafeBytes(of: instruction.code.littleEndian, Array.init) + [instruction.jumpIfTrue, instruction.jumpIfFalse]
                + withUnsafeBytes(of: instruction.value.littleEndian, Array.init)
        }
    }

    private var instructions: [Instruction] {
        typealias I = Instruction
        var program = [
            I(code: Self.loadWord, jumpIfTrue: 0, jumpIfFalse: 0, value: Self.archOffset),
            I(code: Self.jumpEqual, jumpIfTrue: 1, jumpIfFalse: 0, value: audit),
            I(code: Self.returnValue, jumpIfTrue: 0, jumpIfFalse: 0, value: Self.killProcess),
            I(code: Self.loadWord, jumpIfTrue: 0, jumpIfFalse: 0, value: Self.numberOffset),
        ]
        if audit == 0xC000_003E {
            program += [
                I(code: Self.jumpAtLeast, jumpIfTrue: 0, jumpIfFalse: 1, value: Self.x32Bit),
                I(code: Self.returnValue, jumpIfTrue: 0, jumpIfFalse: 0, value: Self.killProcess),
            ]
        }
        // Each refused call: "if the number is N, return the error; else skip that return".
        func refuse(_ call: Call, with answer: UInt32) {
            guard let nr = number(call) else { return }
            program += [
                I(code: Self.jumpEqual, jumpIfTrue: 0, jumpIfFalse: 1, value: nr),
                I(code: Self.returnValue, jumpIfTrue: 0, jumpIfFalse: 0, value: answer),
            ]
        }
        for call in Self.denied { refuse(call, with: Self.permissionDenied) }
        refuse(Self.clone3, with: Self.notImplemented)
        // Calls decided by an argument: "if the number is N, load the argument, test it, and return the
        // error or allow; else skip the block". The number is reloaded after each block.
        func check(_ call: Call, argument: UInt32, _ test: [Instruction]) {
            guard let nr = number(call) else { return }
            let block = [I(code: Self.loadWord, jumpIfTrue: 0, jumpIfFalse: 0, value: Self.argumentOffset(argument))] + test
            program.append(I(code: Self.jumpEqual, jumpIfTrue: 0, jumpIfFalse: UInt8(block.count), value: nr))
            program += block
        }
        let deny = I(code: Self.returnValue, jumpIfTrue: 0, jumpIfFalse: 0, value: Self.permissionDenied)
        let pass = I(code: Self.returnValue, jumpIfTrue: 0, jumpIfFalse: 0, value: Self.allow)
        check(Self.clone, argument: 0, [I(code: Self.jumpAnyBit, jumpIfTrue: 0, jumpIfFalse: 1, value: Self.namespaceFlags), deny, pass])
        check(Self.socket, argument: 0, [I(code: Self.jumpEqual, jumpIfTrue: 1, jumpIfFalse: 0, value: Self.afUnix), deny, pass])
        check(Self.ioctl, argument: 1, [
            I(code: Self.jumpEqual, jumpIfTrue: 1, jumpIfFalse: 0, value: Self.terminalInjection[0]),
            I(code: Self.jumpEqual, jumpIfTrue: 0, jumpIfFalse: 1, value: Self.terminalInjection[1]),
            deny, pass,
        ])
        program.append(pass)
        return program
    }
}
