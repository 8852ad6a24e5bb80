/** The REST job service: routes, auth, request ↔ job spec, JSON views, result files, the web page. */
module dev.demucs.http {
    requires transitive dev.demucs.core;
    requires transitive dev.demucs.job;
    requires dev.demucs.models;
    requires dev.demucs.net;
    requires com.fasterxml.jackson.databind;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.io;
    requires org.eclipse.jetty.util;

    exports dev.demucs.http;
    // JobRecord is read and written by Jackson's data binding
    opens dev.demucs.http to com.fasterxml.jackson.databind;
}
