#!/usr/bin/perl
# Writes the two binary files that a phony Windows guest needs and that no
# Debian package ships:
#
#   phony-windows.pl hive OUT   an empty Windows NT registry hive (regf):
#                               a root key and one security record, nothing
#                               else; hivexregedit --merge fills it in.
#   phony-windows.pl pe OUT     a tiny PE32 "console, Intel 80386" image that
#                               `file` recognises; libguestfs inspection reads
#                               the guest architecture from
#                               /Windows/System32/cmd.exe this way.
#
# Neither is a working program or a complete hive; they only need to satisfy
# hivex and file(1).
use strict;
use warnings;

my ($what, $out) = @ARGV;
die "usage: $0 hive|pe OUT\n" unless defined $out && $what =~ /^(hive|pe)$/;

sub write_file {
    my ($path, $data) = @_;
    open my $fh, '>:raw', $path or die "$0: $path: $!\n";
    print $fh $data or die "$0: $path: $!\n";
    close $fh or die "$0: $path: $!\n";
}

if ($what eq 'hive') {
    # One 4 KiB hbin page after the 4 KiB base block.  Cell offsets are
    # relative to the first hbin (file offset 0x1000).
    my $page = 0x1000;
    my $nk_off = 0x20;                       # first cell, right after the hbin header
    my $name = 'ROOT';

    # nk cell: 0x50 bytes of fixed fields, then the (ASCII) name.
    my $nk = pack('a2 v Q< V V V V V V V V V V v v V V V V v v',
        'nk',
        0x2C,            # flags: HiveEntry | NoDelete | CompressedName
        0,               # last written timestamp
        0,               # access bits
        0xFFFFFFFF,      # parent (none for the root)
        0, 0,            # subkeys, volatile subkeys
        0xFFFFFFFF, 0xFFFFFFFF,  # subkey lists
        0,               # values
        0xFFFFFFFF,      # value list
        0,               # sk offset, patched below
        0xFFFFFFFF,      # class name
        0, 0, 0,         # max subkey name len, unknown, max class len
        0, 0, 0,         # max value name len, max value data len, work var
        length($name), 0) . $name;
    my $nk_cell_len = (4 + length($nk) + 7) & ~7;
    my $sk_off = $nk_off + $nk_cell_len;
    substr($nk, 0x2C, 4) = pack('V', $sk_off);
    my $nk_cell = pack('l<', -$nk_cell_len) . $nk;
    $nk_cell .= "\0" x ($nk_cell_len - length($nk_cell));

    # sk cell: a self-relative security descriptor with no owner, group or
    # ACLs (control = SE_SELF_RELATIVE | SE_DACL_PRESENT, NULL DACL).
    my $sd = pack('C C v V V V V', 1, 0, 0x8004, 0, 0, 0, 0);
    my $sk = pack('a2 v V V V V', 'sk', 0, $sk_off, $sk_off, 1, length($sd)) . $sd;
    my $sk_cell_len = (4 + length($sk) + 7) & ~7;
    my $sk_cell = pack('l<', -$sk_cell_len) . $sk;
    $sk_cell .= "\0" x ($sk_cell_len - length($sk_cell));

    # The rest of the page is one free cell (positive size).
    my $used = 0x20 + $nk_cell_len + $sk_cell_len;
    my $free_len = $page - $used;
    my $free_cell = pack('l<', $free_len) . ("\0" x ($free_len - 4));

    my $hbin = pack('a4 V V', 'hbin', 0, $page) . ("\0" x 20);
    my $bins = $hbin . $nk_cell . $sk_cell . $free_cell;
    die "internal error: page size" unless length($bins) == $page;

    my $fname = 'SYSTEMROOT\\phony';
    $fname =~ s/(.)/$1\0/g;                  # UTF-16LE
    my $hdr = pack('a4 V V Q< V V V V V V V',
        'regf',
        1, 1,            # sequence numbers (equal = cleanly closed)
        0,               # last written
        1, 3,            # version 1.3
        0,               # primary file
        1,               # direct memory load format
        $nk_off,         # root cell
        length($bins),   # size of the hbin data
        1);              # clustering factor
    $hdr .= $fname . ("\0" x (64 - length($fname)));
    $hdr .= "\0" x (0x1FC - length($hdr));
    my $sum = 0;
    $sum ^= $_ for unpack('V*', $hdr);
    $hdr .= pack('V', $sum);
    $hdr .= "\0" x (0x1000 - length($hdr));
    write_file($out, $hdr . $bins);
} else {
    # DOS stub header: "MZ" ... e_lfanew at 0x3C pointing just after it.
    my $dos = 'MZ' . ("\0" x 0x3A) . pack('V', 0x40);
    # COFF file header: i386, no sections, 0xE0-byte optional header,
    # characteristics EXECUTABLE_IMAGE | 32BIT_MACHINE.
    my $coff = 'PE' . "\0\0" . pack('v v V V V v v', 0x014C, 0, 0, 0, 0, 0xE0, 0x0102);
    # PE32 optional header: magic 0x10B; subsystem (offset 68) = 3 (console).
    my $opt = "\0" x 0xE0;
    substr($opt, 0, 2) = pack('v', 0x10B);
    substr($opt, 28, 4) = pack('V', 0x400000);     # image base
    substr($opt, 32, 4) = pack('V', 0x1000);       # section alignment
    substr($opt, 36, 4) = pack('V', 0x200);        # file alignment
    substr($opt, 40, 2) = pack('v', 6);            # OS version 6.1
    substr($opt, 42, 2) = pack('v', 1);
    substr($opt, 48, 2) = pack('v', 6);            # subsystem version 6.1
    substr($opt, 50, 2) = pack('v', 1);
    substr($opt, 56, 4) = pack('V', 0x1000);       # size of image
    substr($opt, 60, 4) = pack('V', 0x200);        # size of headers
    substr($opt, 68, 2) = pack('v', 3);            # IMAGE_SUBSYSTEM_WINDOWS_CUI
    substr($opt, 92, 4) = pack('V', 16);           # number of data directories
    my $img = $dos . $coff . $opt;
    $img .= "\0" x (0x200 - length($img));
    write_file($out, $img);
}
