# Auth Loopback: a second HTTP connector, named "loopback", bound to 127.0.0.1:8082.
# Contexts whose virtual hosts list "@loopback" (webapps/loopback.xml) are served only here;
# business apps list "@main" and are served only on the main HTTP connector.

[description]
Adds the loopback-only HTTP connector "loopback" (127.0.0.1:8082) for loopback.war, and names
the main HTTP connector "main" so contexts can be bound to either one with @connector virtual hosts.

[tags]
connector
auth-loopback

[depend]
server
http

[xml]
etc/loopback-connector.xml

[ini-template]
## Host of the loopback connector. Keep it a loopback address: the token API must not be
## reachable from the network.
# jetty.loopback.host=127.0.0.1

## Port of the loopback connector; business apps' filter token-url points here.
# jetty.loopback.port=8082

## Idle timeout of the loopback connector, in milliseconds.
# jetty.loopback.idleTimeout=30000
