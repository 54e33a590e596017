import type { ServiceImpl } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ClusterService } from "../../gen/wildcat/v1/cluster_service_pb.js";
import type { Ownership } from "../cluster/ownership.js";

/** The gateway processes sharing the store, as this one's last heartbeat saw them. */
export class ClusterServiceImpl implements ServiceImpl<typeof ClusterService> {
  /** `ownership` is undefined on a single gateway (no ADVERTISE_URL). */
  constructor(private readonly ownership: Ownership | undefined) {}

  async listPeers() {
    const ownership = this.ownership;
    if (!ownership) return { clusterMode: false, peers: [] };
    return {
      clusterMode: true,
      peers: ownership.peers().map((p) => ({
        peerId: p.holder,
        url: p.url,
        accounts: p.accounts,
        expireTime: timestampFromDate(p.expireTime),
        self: p.holder === ownership.holder,
      })),
    };
  }
}
