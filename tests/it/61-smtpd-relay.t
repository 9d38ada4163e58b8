#!/bin/bash
# 61-smtpd-relay.t: an open-relay battery refused without RELAYCLIENT and judged
# as intended with it; no rcpthosts = no relay; percenthack, morercpthosts.cdb,
# badmailfrom, badrcptto, maxrcpt; unknown local users refused at RCPT
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd-lib.sh"
smtpd_setup
smtpd_start

# battery FILE SOURCE-IP NAME: each line "CODE ADDRESS" is one RCPT in its own
# transaction; CODE is the reply expected (prefix)
battery() {
    { echo "< 220"; echo "> EHLO relay-tester.example"; echo "< 250"
      while read -r code esc addr; do
          [ -n "$code" ] || continue
          echo "> MAIL FROM:<tester@remote.example>"; echo "< 250 2.1.0"
          echo "> RCPT TO:$addr"; echo "< $code $esc"
          echo "> RSET"; echo "< 250 2.0.0"
      done < "$1"
      echo "> QUIT"; echo "< 221"; } > "$T/battery.d"
    dialog "$3 ($(grep -c . "$1") addresses)" "$2" < "$T/battery.d"
}

cat > "$T/tricks" <<EOF
553 5.7.1 <user@remote.example>
553 5.7.1 <user@REMOTE.Example>
553 5.7.1 <user@remote.example.>
553 5.7.1 <postmaster@remote.example>
550 5.1.1 <user%remote.example@$ME>
550 5.1.1 <"user%remote.example"@$ME>
553 5.1.3 <"user@remote.example"@$ME>
553 5.1.3 <"user@remote.example"@remote.example>
550 5.1.1 <remote.example!user@$ME>
550 5.1.1 <$ME!remote.example!user@$ME>
553 5.7.1 <@$ME:user@remote.example>
553 5.7.1 <@$ME,@$ME:user@remote.example>
553 5.7.1 <@[$SIP]:user@remote.example>
553 5.7.1 <user@[$SIP]>
553 5.7.1 <user@[127.0.0.1]>
553 5.7.1 <user@[$ME]>
553 5.7.1 <user@$ME.remote.example>
553 5.7.1 <user@x$ME>
553 5.7.1 <user@localhost>
501 5.1.3 <user@remote.example@$ME>
501 5.1.3 <user@remote.example%$ME>
501 5.1.3 <user@remote.example\\@$ME>
501 5.1.3 <user%remote.example>
501 5.1.3 <user@remote.example
501 5.5.4 user@remote.example
555 5.5.4 <user@remote.example>@$ME
EOF
battery "$T/tricks" "$NIP" "relay tricks refused without RELAYCLIENT"
before=$(nmess)

cat > "$T/relayok" <<EOF
250 2.1.5 <user@remote.example>
250 2.1.5 <user@REMOTE.Example>
250 2.1.5 <user@remote.example.>
250 2.1.5 <@$ME:user@remote.example>
250 2.1.5 <user@[192.0.2.1]>
250 2.1.5 <$LU@$ME>
550 5.1.1 <user%remote.example@$ME>
550 5.1.1 <nosuchuser@$ME>
553 5.1.3 <"user@remote.example"@$ME>
501 5.1.3 <user@remote.example@$ME>
EOF
battery "$T/relayok" "$RIP" "with RELAYCLIENT: remote accepted, local still checked"

dialog "RELAYCLIENT: the queued envelope is the judged address" "$RIP" <<EOF
< 220
> EHLO relay-client.example
< 250
> MAIL FROM:<me@$ME>
< 250
> RCPT TO:<@$ME:Far@Remote.Example.>
< 250 2.1.5
> DATA
< 354
> Subject: relayed
>
> .
< 250 2.0.0
> QUIT
< 221
EOF
m=$(grep -l "^Subject: relayed" $(find "$H/queue/mess" -type f))
e="$H/queue/todo/${m#"$H/queue/mess/"}"
is "$(tr '\0' '\n' < "$e" | grep '^T')" "TFar@Remote.Example" "route and trailing dot dropped, case kept"
is "$(nmess)" "$((before + 1))" "nothing else was queued by the batteries"

# percenthack: a rewrite is judged again, never trusted
printf '%s\n' "$ME" > "$H/control/percenthack"
cat > "$T/ph" <<EOF
553 5.7.1 <user%remote.example@$ME>
553 5.7.1 <user%remote.example%$ME@$ME>
250 2.1.5 <$LU%$ME@$ME>
EOF
battery "$T/ph" "$NIP" "percenthack: rewritten addresses are judged again"
cat > "$T/phr" <<EOF
250 2.1.5 <user%remote.example@$ME>
EOF
battery "$T/phr" "$RIP" "percenthack with RELAYCLIENT: accepted"
rm "$H/control/percenthack"

# morercpthosts.cdb (tinycdb's cdb -c -m), rcpthosts .suffix entries
printf 'more.example 1\n.wild.example 1\n' > "$T/mrh"
cdb -c -m "$H/control/morercpthosts.cdb" "$T/mrh"
chmod 644 "$H/control/morercpthosts.cdb"
printf '%s\nbackup.example\n.sub.backup.example\n' "$ME" > "$H/control/rcpthosts"
cat > "$T/mrhb" <<EOF
250 2.1.5 <user@more.example>
250 2.1.5 <user@MORE.example>
250 2.1.5 <user@a.wild.example>
553 5.7.1 <user@wild.example>
553 5.7.1 <user@xmore.example>
250 2.1.5 <user@x.sub.backup.example>
553 5.7.1 <user@sub.backup.example>
EOF
battery "$T/mrhb" "$NIP" "morercpthosts.cdb and .suffix entries"

# no rcpthosts at all: nothing is relayed, not even to our own domain
mv "$H/control/rcpthosts" "$H/control/rcpthosts.away"
rm "$H/control/morercpthosts.cdb"
printf '553 5.7.1 <%s@%s>\n553 5.7.1 <user@remote.example>\n553 5.7.1 <postmaster>\n' "$LU" "$ME" > "$T/none"
battery "$T/none" "$NIP" "without rcpthosts every recipient is refused"
printf '250 2.1.5 <%s@%s>\n250 2.1.5 <user@remote.example>\n' "$LU" "$ME" > "$T/noner"
battery "$T/noner" "$RIP" "without rcpthosts, RELAYCLIENT still relays"
mv "$H/control/rcpthosts.away" "$H/control/rcpthosts"

# badmailfrom, badrcptto
printf 'spammer@bad.example\n@evil.example\n' > "$H/control/badmailfrom"
printf 'blocked@%s\n@backup.example\n' "$ME" > "$H/control/badrcptto"
dialog "badmailfrom and badrcptto, with @domain entries" <<EOF
< 220
> EHLO c.example
< 250
> MAIL FROM:<Spammer@BAD.example>
< 553 5.7.1
> MAIL FROM:<anyone@evil.example>
< 553 5.7.1
> MAIL FROM:<anyone@notevil.example>
< 250 2.1.0
> RCPT TO:<blocked@$ME>
< 553 5.7.1
> RCPT TO:<x@backup.example>
< 553 5.7.1
> RCPT TO:<$LU@$ME>
< 250 2.1.5
> QUIT
< 221
EOF
rm "$H/control/badmailfrom" "$H/control/badrcptto"

# maxrcpt
printf '3\n' > "$H/control/maxrcpt"
dialog "maxrcpt 3: the fourth recipient gets 452" <<EOF
< 220
> EHLO c.example
< 250
> MAIL FROM:<a@b.example>
< 250
> RCPT TO:<$LU@$ME>
< 250
> RCPT TO:<nosuch@$ME>
< 550 5.1.1
> RCPT TO:<$LU@$ME>
< 250
> RCPT TO:<$LU@$ME>
< 250
> RCPT TO:<$LU@$ME>
< 452 4.5.3
> RSET
< 250
> MAIL FROM:<a@b.example>
< 250
> RCPT TO:<$LU@$ME>
< 250
> QUIT
< 221
EOF
rm "$H/control/maxrcpt"
{ echo "< 220"; echo "> EHLO c.example"; echo "< 250"; echo "> MAIL FROM:<a@b.example>"; echo "< 250"
  for i in $(seq 1 100); do echo "> RCPT TO:<$LU@$ME>"; echo "< 250 2.1.5"; done
  echo "> RCPT TO:<$LU@$ME>"; echo "< 452 4.5.3"; echo "> QUIT"; echo "< 221"; } > "$T/d"
dialog "default maxrcpt is 100" < "$T/d"

# local recipients: the verdict of deliverable(), as mail-local would judge
if isroot; then
    printf './Maildir/\n' > "$T/$LU/.qmail-lists"
    printf '&elsewhere@remote.example\n' > "$T/$LU/.qmail-fwd-default"
    chown "$LU" "$T/$LU/.qmail-lists" "$T/$LU/.qmail-fwd-default"
    cat > "$T/locals" <<EOF
250 2.1.5 <$LU@$ME>
250 2.1.5 <$(echo "$LU" | tr a-z A-Z)@$ME>
250 2.1.5 <$LU-lists@$ME>
550 5.1.1 <$LU-nolist@$ME>
250 2.1.5 <$LU-fwd-anything@$ME>
250 2.1.5 <postmaster@$ME>
250 2.1.5 <Postmaster>
550 5.1.1 <root-x@$ME>
550 5.1.1 <nosuchuser@$ME>
550 5.1.1 <nosuchuser@localhost>
EOF
    printf '%s\nlocalhost\nbackup.example\n' "$ME" > "$H/control/rcpthosts"
    battery "$T/locals" "$NIP" "local recipients judged by deliverable()"
    chmod 700 "$T/$LU"
    printf '451 4.3.0 <%s-lists@%s>\n' "$LU" "$ME" > "$T/t"
    printf '250 2.1.5 <%s@%s>\n' "$LU" "$ME" >> "$T/t"
    battery "$T/t" "$NIP" "home that kirimd cannot search: 451 for an extension, not a guess"
    chmod 711 "$T/$LU"
    grep -q "refused recipient <nosuchuser@$ME>: no such user" "$T/smtpd.log"; ok $? "refusals logged"
else
    skip "not root" "local recipients judged by deliverable()"
    skip "not root" "home that kirimd cannot search"
    skip "not root" "refusals logged"
fi
smtpd_stop
done_testing
