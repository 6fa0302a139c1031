#!/usr/bin/perl
# Mail::SRS (Debian libmail-srs-perl) as a filter: one address per line on stdin, one
# result per line on stdout ("ERR" when it dies). time() is frozen before Mail::SRS loads.
# usage: mail_srs.pl forward|reverse UNIX_TIME DOMAIN SECRET [SECRET...]
use strict;
use warnings;
our $T;
BEGIN { $T = $ARGV[1]; *CORE::GLOBAL::time = sub () { $T }; }
use Mail::SRS;
my ($mode, undef, $domain, @secrets) = @ARGV;
my $srs = Mail::SRS->new(Secret => [@secrets]);
local $SIG{__WARN__} = sub { };
$| = 0;
while (my $line = <STDIN>) {
    chomp $line;
    my $r = eval { $mode eq 'forward' ? $srs->forward($line, $domain) : $srs->reverse($line) };
    print defined $r ? "$r\n" : "ERR\n";
}
