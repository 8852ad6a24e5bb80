package dev.demucs.http;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Routing and authentication: matches a request to a route (OpenAPI-style templates such as
 * {@code /job/{id}}), answers {@code HEAD} on every {@code GET} route, checks the caller with
 * {@link Auth} (except {@code /health} and the web page), and turns every failure into a JSON
 * error: {@code {"error": "..."}} with a fitting status, never a stack trace.
 */
final class Router extends Handler.Abstract {
    private static final System.Logger LOG = System.getLogger(Router.class.getName());

    /** One route: a method and a path template. */
    record Route(String method, String template, Pattern pattern, RouteHandler handler) {
    }

    @FunctionalInterface
    interface RouteHandler {
        void handle(Exchange ex, List<String> params) throws IOException;
    }

    private final StaticFiles web;
    private final List<Route> routes = new ArrayList<>();
    private volatile Auth auth;

    Router(StaticFiles web) {
        this.web = web;
    }

    /** The caller policy; set before the server starts listening. */
    void auth(Auth auth) {
        this.auth = auth;
    }

    Router route(String method, String template, RouteHandler handler) {
        String regex = Pattern.quote(template).replaceAll("\\{[a-z]+}", "\\\\E([^/]+)\\\\Q");
        routes.add(new Route(method, template, Pattern.compile(regex), handler));
        return this;
    }

    /** The routes, for the OpenAPI check. */
    List<Route> routes() {
        return List.copyOf(routes);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange ex = new Exchange(request, response);
        try {
            dispatch(ex);
            callback.succeeded();
        } catch (ApiException e) {
            answerError(ex, e, callback);
        } catch (dev.demucs.job.queue.JobExistsException e) {
            answerError(ex, ApiException.conflict(e.getMessage()), callback);
        } catch (dev.demucs.job.queue.QueueUnavailableException e) {
            LOG.log(System.Logger.Level.WARNING, ex.method() + " " + ex.rawPath() + ": " + e.getMessage());
            answerError(ex, new ApiException(503, "the job queue is unavailable (" + e.getMessage() + "); retry shortly",
                    java.util.Map.of("Retry-After", JsonErrorHandler.RETRY_AFTER_SECONDS)), callback);
        } catch (IOException e) {
            callback.failed(new EofException(e)); // the client went away or stalled past the idle timeout: not worth a warning
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "internal error on " + ex.method() + " " + ex.rawPath(), e);
            answerError(ex, new ApiException(500, "internal error (" + e.getClass().getSimpleName() + "); see the server log"), callback);
        }
        return true;
    }

    private static void answerError(Exchange ex, ApiException e, Callback callback) {
        if (ex.committed()) {
            callback.failed(e);
            return;
        }
        if (ex.hasBody()) {
            // the body may be left half-read (or failed by the multipart parser): never reuse this connection
            ex.setHeader("Connection", "close");
            if (e.status() != 503) {
                ex.drain(); // a refused upload is read on so the client sees the answer; a 503 is sent at once
            }
        }
        try {
            e.headers().forEach(ex::setHeader);
            ex.sendJson(e.status(), Json.error(e.getMessage()));
            callback.succeeded();
        } catch (IOException | RuntimeException io) {
            callback.failed(io);
        }
    }

    private void dispatch(Exchange ex) throws IOException {
        String path = ex.rawPath();
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        boolean read = ex.method().equals("GET") || ex.head();
        if (read && web.serves(path)) {
            web.send(ex, path);
            return;
        }
        if (!path.equals("/health")) {
            auth.check(ex.remoteAddress(), ex.header("Authorization"));
        }
        TreeSet<String> allowed = new TreeSet<>();
        Route fallback = null;
        Matcher fallbackMatch = null;
        for (Route r : routes) {
            Matcher m = r.pattern().matcher(path);
            if (!m.matches()) {
                continue;
            }
            if (r.method().equals(ex.method())) {
                r.handler().handle(ex, params(m));
                return;
            }
            allowed.add(r.method());
            if (r.method().equals("GET")) {
                allowed.add("HEAD");
                if (ex.head()) {
                    fallback = r;
                    fallbackMatch = m;
                }
            }
        }
        if (fallback != null) {
            fallback.handler().handle(ex, params(fallbackMatch));
            return;
        }
        if (!allowed.isEmpty()) {
            throw new ApiException(405, "method " + JobRequest.clip(ex.method()) + " is not allowed on " + JobRequest.clip(path)
                    + "; allowed: " + String.join(", ", allowed), Map.of("Allow", String.join(", ", allowed)));
        }
        throw ApiException.notFound("no route " + JobRequest.clip(path) + "; see GET /openapi.json");
    }

    private static List<String> params(Matcher m) {
        List<String> params = new ArrayList<>();
        for (int i = 1; i <= m.groupCount(); i++) {
            try {
                params.add(URLDecoder.decode(m.group(i).replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("malformed percent-encoding in the path");
            }
        }
        return params;
    }
}
