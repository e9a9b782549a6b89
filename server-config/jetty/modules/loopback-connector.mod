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

## The port is the system property auth-loopback.port (default 8082), read by business apps'
## token-url as well: java -Dauth-loopback.port=9082 -jar $JETTY_HOME/start.jar

## Idle timeout of the loopback connector, in milliseconds.
# jetty.loopback.idleTimeout=30000

## Threads of the loopback connector's own pool. Its own, so business requests waiting in
## BearerTokenFilter for a token can never take every thread the loopback needs to answer them.
# jetty.loopback.maxThreads=64
# jetty.loopback.minThreads=4
