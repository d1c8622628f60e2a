package org.v2vwrapper.remote;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the wrapper runs the system {@code ssh} to a conversion host.
 *
 * @param user           the remote account ({@value #DEFAULT_USER} on OpenStack conversion hosts)
 * @param home           the {@code HOME} to give ssh: its {@code .ssh/config} is passed with {@code -F} when it
 *                       exists and its {@code .ssh/known_hosts} is used — OpenSSH itself reads the passwd entry's
 *                       home, not {@code $HOME}, which differs in the UCI container and in tests
 * @param agentSocket    the run's ssh-agent ({@code SSH_AUTH_SOCK}), which holds the request's {@code ssh_key};
 *                       empty: ssh's own default keys
 * @param connectTimeout {@code ConnectTimeout} (whole seconds, at least 1)
 */
public record SshOptions(String user, Optional<Path> home, Optional<Path> agentSocket, Duration connectTimeout) {
    public static final String DEFAULT_USER = "cloud-user";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public SshOptions {
        Objects.requireNonNull(user, "user");
        if (!user.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
            throw new IllegalArgumentException("not a user name: " + user);
        }
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(agentSocket, "agentSocket");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive");
        }
    }

    /** {@code cloud-user}, the {@code HOME} environment variable, the given agent, 10 s to connect. */
    public static SshOptions defaults(Optional<Path> agentSocket) {
        String home = System.getenv("HOME");
        return new SshOptions(DEFAULT_USER, home == null || home.isEmpty() ? Optional.empty() : Optional.of(Path.of(home)),
                agentSocket, DEFAULT_CONNECT_TIMEOUT);
    }

    public SshOptions withHome(Path newHome) {
        return new SshOptions(user, Optional.of(newHome), agentSocket, connectTimeout);
    }

    public SshOptions withUser(String newUser) {
        return new SshOptions(newUser, home, agentSocket, connectTimeout);
    }

    public SshOptions withConnectTimeout(Duration timeout) {
        return new SshOptions(user, home, agentSocket, timeout);
    }

    /**
     * The options every ssh of the wrapper gets: {@code -F} (when {@code $HOME/.ssh/config} exists), no prompts
     * ({@code BatchMode}), a connect timeout, {@code accept-new} host keys in {@code $HOME/.ssh/known_hosts}
     * (a conversion host is a fresh VM whose key nobody could have stored; a changed key is still refused,
     * unlike the reference's {@code StrictHostKeyChecking=no}), and only errors on stderr.
     */
    List<String> commonArguments() {
        List<String> args = new ArrayList<>();
        home.map(h -> h.resolve(".ssh/config")).filter(Files::isRegularFile).ifPresent(config -> {
            args.add("-F");
            args.add(config.toString());
        });
        args.addAll(List.of("-o", "BatchMode=yes",
                "-o", "ConnectTimeout=" + Math.max(1, connectTimeout.toSeconds()),
                "-o", "StrictHostKeyChecking=accept-new",
                "-o", "LogLevel=ERROR"));
        home.ifPresent(h -> {
            args.add("-o");
            args.add("UserKnownHostsFile=" + h.resolve(".ssh/known_hosts"));
        });
        return args;
    }

    /** HOME and SSH_AUTH_SOCK for the child; never a secret (the key stays in the agent). */
    void applyTo(ProcessBuilder builder) {
        home.ifPresent(h -> builder.environment().put("HOME", h.toString()));
        agentSocket.ifPresent(s -> builder.environment().put("SSH_AUTH_SOCK", s.toString()));
        builder.environment().put("SSH_ASKPASS_REQUIRE", "never");
        builder.environment().remove("DISPLAY");
    }
}
