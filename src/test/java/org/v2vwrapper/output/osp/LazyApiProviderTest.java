package org.v2vwrapper.output.osp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.openstack4j.api.APIProvider;
import org.openstack4j.api.senlin.SenlinService;
import org.openstack4j.openstack.provider.DefaultAPIProvider;

class LazyApiProviderTest {
    @Test
    void everyLazyBindingIsOpenstack4jsOwn() throws Exception {
        DefaultAPIProvider reference = new DefaultAPIProvider();
        reference.initialize();
        LazyApiProvider lazy = new LazyApiProvider();
        for (String api : LazyApiProvider.BINDINGS.keySet()) {
            Class<?> type = Class.forName("org.openstack4j.api." + api);
            assertEquals(reference.get(type).getClass(), lazy.get(type).getClass(), api);
            assertSame(lazy.get(type), lazy.get(type), "one instance per API, as openstack4j's");
        }
    }

    @Test
    void anApiOutsideTheTableStillWorks() {
        assertInstanceOf(SenlinService.class, new LazyApiProvider().get(SenlinService.class));
    }

    @Test
    void openstack4jFindsThisProviderFirst() {
        assertInstanceOf(LazyApiProvider.class, ServiceLoader.load(APIProvider.class).iterator().next());
    }
}
