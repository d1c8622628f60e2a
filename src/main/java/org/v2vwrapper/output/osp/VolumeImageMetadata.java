package org.v2vwrapper.output.osp;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRootName;
import org.openstack4j.model.ModelEntity;
import org.openstack4j.model.common.ActionResponse;
import org.openstack4j.openstack.storage.block.internal.BaseBlockStorageServices;

/**
 * Cinder's {@code os-set_image_metadata} volume action ({@code POST /volumes/{id}/action} with
 * {@code {"os-set_image_metadata": {"metadata": {…}}}}), which openstack4j 3.12 has no call for (its
 * {@code BlockVolumeService} knows {@code bootable}, {@code attach}, {@code uploadToImage}, … but no volume image
 * metadata). Built on openstack4j's own service base, the way its {@code BlockVolumeServiceImpl.bootable} is, so
 * it uses the calling thread's session: call it only inside {@link OspSession#call}.
 */
final class VolumeImageMetadata extends BaseBlockStorageServices {

    /** Sets (adds or replaces) these image properties on the volume. */
    ActionResponse set(String volumeId, Map<String, String> properties) {
        return post(ActionResponse.class, uri("/volumes/%s/action", volumeId))
                .entity(new SetImageMetadataAction(properties)).execute();
    }

    @JsonRootName("os-set_image_metadata")
    static final class SetImageMetadataAction implements ModelEntity {
        private static final long serialVersionUID = 1L;

        @JsonProperty("metadata")
        private final Map<String, String> metadata;

        SetImageMetadataAction(Map<String, String> metadata) {
            this.metadata = Map.copyOf(metadata);
        }
    }
}
